<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
<xsl:template match="/">
<xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
<xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="color-scheme" content="light dark"/>
<title><xsl:value-of select="$title"/></title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
li{margin:.5rem 0}</style>
</head>
<body>
<h1><xsl:value-of select="$title"/></h1>
<p>This is a feed: this status page's incidents, for feed readers. To follow it, copy the address of this page into your feed reader.</p>
<p><a href="{$home}">Open the status page</a></p>
<ul>
<xsl:for-each select="atom:feed/atom:entry | rss/channel/item">
<li><a href="{atom:link/@href | link}"><xsl:value-of select="atom:title | title"/></a><br/>
<small><xsl:value-of select="atom:updated | pubDate"/></small></li>
</xsl:for-each>
</ul>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
