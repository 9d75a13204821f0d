environment           = "local"
endpoint              = "http://127.0.0.1:4566"
log_retention_in_days = 365
