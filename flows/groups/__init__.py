"""A teacher's anonymous view of a group's DigComp self-assessments: pure aggregation with
small-count suppression (``aggregate``), its chat texts, chart and XLSX (``report``)."""
