"""School funds (services/schoolfunds): each school's page, the kecamatan map, the treasurer's form and import."""
