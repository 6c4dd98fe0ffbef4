"""Screens: the main screen and the modal dialogs (help, prompts, YAML, confirm, export)."""
