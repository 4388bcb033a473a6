#!/bin/sh
# run the sim with one ablation at a time: prints matches per model
for a in "" qvk nextn swafull nogateb nowsm outround norot noscale phisep crrms; do echo "== ABLATE=$a"; ABLATE=$a python3 sim_swa.py | grep match; done
