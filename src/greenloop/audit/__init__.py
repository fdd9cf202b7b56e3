"""The audit log: logins, permission changes, admin actions, sensitive views.

Only the auditor role reads it (三员分立); nobody edits it.
"""
