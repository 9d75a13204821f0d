output "names" {
  description = "Table names by logical key."
  value       = { for key, table in local.all_tables : key => table.name }
}

output "arns" {
  description = "Table ARNs by logical key."
  value       = { for key, table in local.all_tables : key => table.arn }
}

output "stream_arns" {
  description = "Stream ARNs by logical key, for the tables that have a stream."
  value       = { for key, table in local.all_tables : key => table.stream_arn if table.stream_enabled }
}
