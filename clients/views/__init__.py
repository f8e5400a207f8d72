"""Pages of the clients app, one module per area: ``records`` (client records), ``notes``."""
