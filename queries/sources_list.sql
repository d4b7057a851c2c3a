-- The source documents (title, publisher, date, URL, file): to name a citation's document.
SELECT * FROM sources ORDER BY source_id
