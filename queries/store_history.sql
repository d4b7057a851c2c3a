-- 更新履歴: every write of the store (an import, an edit, a build) as DuckLake recorded it, newest first. The
-- snapshot up to the one a page reads (a past 時点 shows the history up to that day).
SELECT snapshot_id,
       strftime(timezone('Asia/Tokyo', snapshot_time), '%Y-%m-%d %H:%M') AS written_at,
       strftime(timezone('Asia/Tokyo', snapshot_time), '%Y-%m-%d') AS written_on,
       nullif(author, '') AS author, nullif(commit_message, '') AS message
FROM store_snapshots
WHERE snapshot_id > 0
ORDER BY snapshot_id DESC
LIMIT $limit
