"""Widgets of the main screen: header, navigator, resource list, analysis views, packets."""
