using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeyCredits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "refill_amount",
                table: "api_keys",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "refill_interval",
                table: "api_keys",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "refilled_at",
                table: "api_keys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "remaining",
                table: "api_keys",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "refill_amount",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "refill_interval",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "refilled_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "remaining",
                table: "api_keys");
        }
    }
}
