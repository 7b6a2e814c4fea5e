"""Detector modules for the registry tests: one per shape of configuration the contract allows."""
