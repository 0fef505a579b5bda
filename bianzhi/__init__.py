"""Bianzhi (编制): e-government platform for institutional establishment administrations."""
