# Local state, on purpose: this root creates the bucket the dev and prod roots keep their state
# in, so its own state cannot be there before it has run. An admin applies it once per account
# (make bootstrap); the state holds names and ARNs, no secret. Keep terraform.tfstate safe, or
# move it into the bucket afterwards (README.md, "State of this root").
terraform {
  backend "local" {}
}
