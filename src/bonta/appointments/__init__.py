"""Appointments: booking, moving, cancelling, no-shows, proposed next visits and the recall list."""
