"""seq2track: learn binned genomic signal tracks from DNA sequence.

Layers (imported only downward): io -> data -> model -> train / predict / interpret / metrics -> cli.
"""

__version__ = "0.1.0"
