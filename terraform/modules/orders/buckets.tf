# S3 buckets, as devstack/provision.py creates them (_create_bucket): one bucket module per
# local.buckets entry, encrypted with the stack's key. Functions get a bucket's name in its
# variable and their object actions on it (main.tf); a rule's pattern can name it (rules.tf).

module "bucket" {
  source   = "../bucket"
  for_each = local.buckets

  name            = "${local.name_prefix}-${each.key}"
  kms_key_arn     = module.kms.key_arn
  eventbridge     = each.value.eventbridge
  expire_prefixes = each.value.expire_prefixes
  tags            = var.tags
}
