"""Building blocks of the synthetic Braze Currents landing zone (see `..generator`)."""
