"""The seed steps of the playbook, one module (or package) per step concern."""
