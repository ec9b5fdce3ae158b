"""Sequence to sequence: an encoder-decoder transformer that reads coding DNA and writes the protein.

``code`` holds the genetic code and codon usage (used only to make data: the model is never told it),
``data`` the seeded generator and batching, ``model`` the encoder-decoder (our attention blocks with
cross-attention and causal masks), ``train`` training, greedy decoding and the metrics.
"""
