"""The park Wi-Fi face: citizens see where the free Wi-Fi is and whether it is on now."""
