"""Petitions and public reports (信访件、群众举报): intake, duplicates,
routing, confidentiality, reply and disclosure, on top of the case engine."""
