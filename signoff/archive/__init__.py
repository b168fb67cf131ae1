"""The second store (数据双备份): write-once archive segments on a local directory or S3, backup and restore."""
