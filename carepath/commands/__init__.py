"""One module per ``carepath`` sub-command: ``HELP``, ``DESCRIPTION``, ``configure``, ``run``."""
