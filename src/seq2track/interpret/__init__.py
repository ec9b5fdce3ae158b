"""Interpretation: attention from gene TSSs scored against enhancer annotations."""
