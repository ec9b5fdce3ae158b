"""The browser bundle of a run: one folder that IGV desktop, igv.js and the UCSC Genome Browser open.

``files`` writes the data files (observed tracks binned like the training targets, bigBed annotations),
``twobit`` the .2bit of a custom genome, ``igv`` the IGV desktop and igv.js sessions, ``hub`` a UCSC track
hub, and ``bundle`` puts them together.
"""
