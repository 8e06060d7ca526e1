"""Built-in example sequences (small, with provenance), used by the demo, docs and tests."""

from __future__ import annotations

GLUT5_PROMOTER_300 = (
    "TCCTGACAGAAATAACCCTTCCAGTCATTCACCATGAGCCTGACTGGTAGAGACTTTAGCAATGGGGAAATACCGTAGACTGTTCCATCAGGACAATGCT"
    "GGGCCTGCAGTCCCCAGGGGGCACCCACTTACTTAGCCAAACCCCAGACGTTTCATTTAAAAGCAGAAGTGAAAGGAAGACCAGGTTCCTGAAAGGGTTA"
    "TTCTGACTTAATCTGGCTATAAAAATGCTATTGGCTGTTATTTGGCATGGCCAAAGTGCACCCAGAATGTCTTCTCTCTCCATTCAGTGCACGCGTTACT"
)
"""Human GLUT5 (SLC2A5) promoter, 300 bp from -249 to +50 around the transcription start (exon 1 starts at
base 514 of GenBank U05344.1, "Human fructose transporter (GLUT5) gene, promoter and exon 1"). The same
window GUE's 300 bp promoter task uses. Source record: NCBI GenBank U05344.1 (as shipped in Biopython's
test data, BSD-3 licence)."""

GLUT5_SOURCE = "GenBank U05344.1:265-564"
