"""The hardening suite: load, slow clients, memory, HTTP abuse and fuzzing, store faults.

``make test`` runs it in its short form; ``make harden`` runs it in full
(``DX_HARDEN=full``) and writes the figures table that the README shows.
"""
