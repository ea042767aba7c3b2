"""政策配置: the profile in force, read and (at the county) chosen."""
