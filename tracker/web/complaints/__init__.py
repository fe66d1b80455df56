"""Complaints and reports from the public (DOMAIN.md §11): the public form and tracking page."""
