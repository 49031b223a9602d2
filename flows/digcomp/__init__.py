"""The DigComp 2.2 self-assessment: content, scoring, chart, PDF summary and the flow itself."""
