# An S3 bucket as devstack/provision.py creates it (_create_bucket): private, encrypted,
# versioned, TLS only, objects under the listed prefixes expired after a day, and object events
# sent to the account's default EventBridge bus when asked. Beyond that, Terraform encrypts
# with the stack's customer managed key (and an S3 bucket key, fewer KMS calls), turns ACLs off
# and aborts incomplete multipart uploads.

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Server access logs would need a log bucket per environment of their own; object-level auditing is CloudTrail data events, an account-wide choice outside this stack, and each upload's fate (chunks written, file rejected, stock loaded) is in the import workflow's execution history and logs.
  #checkov:skip=CKV_AWS_144:Uploads are stock receipts whose sender keeps the original, and work/ holds chunks that expire after a day: a copy in a second region would double the storage and the KMS key for nothing that cannot be re-sent.
  # Bucket names are global across AWS: the account id keeps them unique (devstack.stack.Naming).
  bucket = "${var.name}-${data.aws_caller_identity.current.account_id}"
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

# ACLs off: the bucket owns every object whoever writes it (the default for new buckets).
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# The stack's customer managed key, as the tables use it; its key policy lets S3 use it for
# callers of this account (modules/kms), so roles with object permissions need no KMS ones.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Parts of a multipart upload that was never completed are billed until aborted. Terraform
  # only: devstack/provision.py does not set this rule (the emulators' buckets live for minutes).
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  dynamic "rule" {
    for_each = var.expire_prefixes

    content {
      id     = "expire-${trim(rule.value, "/")}"
      status = "Enabled"

      filter {
        prefix = rule.value
      }

      expiration {
        days = 1
      }

      noncurrent_version_expiration {
        noncurrent_days = 1
      }
    }
  }

  # Noncurrent-version rules need versioning to be on first.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_notification" "this" {
  count = var.eventbridge ? 1 : 0

  bucket      = aws_s3_bucket.this.id
  eventbridge = true
}
