"""Prediction over chromosomes -> one bigWig per track."""

from seq2track.predict.genome import predict_regions, predict_to_bigwigs, predict_windows

__all__ = ["predict_regions", "predict_to_bigwigs", "predict_windows"]
