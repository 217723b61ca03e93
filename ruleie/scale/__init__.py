"""Scale-out: the same records from many processes (`--jobs N`) or a Dask cluster, in input order."""
