"""Outputs made from the pathway IR: diagnostics reports, flowcharts, HTML pages.

Every renderer is a pure function of the IR (plus options); importing this
package imports nothing heavy.
"""
