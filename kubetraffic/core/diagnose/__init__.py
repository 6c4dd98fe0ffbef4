"""Diagnosis: the URL trace and the egress check, built from routing, policy and evidence."""
