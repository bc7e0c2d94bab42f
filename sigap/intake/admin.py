"""Reports are not edited in Django's admin: every change goes through the services (audit)."""
