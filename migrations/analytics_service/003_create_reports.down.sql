-- analytics_service 003 down (all dialects): runs reference reports, so they go first
DROP TABLE IF EXISTS report_runs;
DROP TABLE IF EXISTS reports;
