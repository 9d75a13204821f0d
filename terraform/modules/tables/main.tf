locals {
  # Lifecycle arguments cannot come from variables, so a table is declared by one of two
  # otherwise identical resources: "this" (destroyable) or "protected" (prevent_destroy).
  # var.prevent_destroy picks one for the whole module; see terraform/README.md.
  unprotected_tables = var.prevent_destroy ? {} : var.tables
  protected_tables   = var.prevent_destroy ? var.tables : {}
  all_tables         = merge(aws_dynamodb_table.this, aws_dynamodb_table.protected)
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is var.point_in_time_recovery_enabled: true for dev and prod (asserted by tests/infra), false only for the local emulator, which does not keep backups.
  for_each = local.unprotected_tables

  name                        = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  stream_enabled              = each.value.stream_view_type != null
  stream_view_type            = each.value.stream_view_type
  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = var.tags

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }
}

resource "aws_dynamodb_table" "protected" {
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is var.point_in_time_recovery_enabled: true for dev and prod (asserted by tests/infra), false only for the local emulator, which does not keep backups.
  for_each = local.protected_tables

  name                        = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  stream_enabled              = each.value.stream_view_type != null
  stream_view_type            = each.value.stream_view_type
  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = var.tags

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}
