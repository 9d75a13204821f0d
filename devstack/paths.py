"""Where things live in the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STATEMACHINES_DIR = REPO_ROOT / "statemachines"
LAMBDAS_DIR = REPO_ROOT / "lambdas"
DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.json"
SAMPLE_ORDERS_FILE = DATA_DIR / "sample_orders.json"
STOCK_RECEIPT_FILE = DATA_DIR / "stock_receipt.csv"
EVENT_PATTERNS_DIR = REPO_ROOT / "terraform" / "events"  # shared with Terraform's file()
POLICIES_DIR = REPO_ROOT / "terraform" / "policies"  # "*" statements, shared with Terraform
