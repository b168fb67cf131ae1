"""Maintenance records: templates, on-site checks, drafts, submission, queries, due dates, delay notices."""
