"""Formats only: FASTA, bigWig, BED/TSV tables, atomic writes, downloads."""
