"""PDF reports: ``services`` (request, render, sweep, expire), ``content`` (what a report shows),
``pdf`` (hardened WeasyPrint rendering), ``forms`` and ``timeline``."""
