"""Prediction over chromosomes -> one bigWig per track (in one job, or scattered in chunks and gathered)."""

from seq2track.model.inference import predict_windows
from seq2track.predict.genome import gather_bigwigs, predict_regions, predict_to_bigwigs, write_chunk

__all__ = ["gather_bigwigs", "predict_regions", "predict_to_bigwigs", "predict_windows", "write_chunk"]
