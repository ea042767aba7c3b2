"""乡镇与部门: the county's townships and departments with their targets."""
