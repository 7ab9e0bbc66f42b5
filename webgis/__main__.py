from webgis.cli import main

main()
