"""The library's version, in a module of its own: the file format records it, and the
package's __init__ imports the modules that write files."""

__version__ = "0.1.0"
