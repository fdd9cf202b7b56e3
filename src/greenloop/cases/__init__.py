"""The closed loop: one case engine for every problem.

Layout:

* ``models/`` — cases, their units and milestones, the append-only timeline
  and attachments, inspection rounds, review (回头看) campaigns,
  accountability and disclosure;
* ``workflow.py`` — the state machine as data (one transition table);
* ``access_rules.py`` — who sees which case and who may do what to it,
  registered into :mod:`greenloop.org.access`;
* ``services/`` — the use cases; the only code that changes a case;
* ``filetypes.py`` / ``attachments.py`` — uploads checked by content;
* ``statistics.py`` — the figures the office reports;
* ``api.py`` — the JSON API.
"""
