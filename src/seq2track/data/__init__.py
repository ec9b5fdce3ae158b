"""Data: sequence encoding, windows and splits, binned targets, the on-disk dataset."""
