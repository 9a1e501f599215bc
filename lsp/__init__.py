"""The language server: diagnostics, navigation, completion and fixes in an editor."""
