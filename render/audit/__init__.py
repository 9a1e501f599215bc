"""An audit's counts as a text table, JSON, and an HTML page with the flowchart
drawn with edge widths in proportion to the patients along each edge."""
