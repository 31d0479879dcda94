"""TED notices whatever their format: `dispatch` reads the root element and hands the tree to the eForms
parser or to `export` (the TED XML export R2.0.x of the 2014 standard forms); `package` streams the notices
of a daily package from its tar.gz and takes the cheap look the crawl's filters need."""
