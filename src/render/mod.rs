//! Issue bodies: the managed block rendered from a plan item, and the hidden identity marker.
