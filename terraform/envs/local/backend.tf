# The emulator is disposable, and so is its state.
terraform {
  backend "local" {
    path = "terraform.tfstate"
  }
}
